"""The runs behind each paper's figures, one module per paper; notebooks call these."""
