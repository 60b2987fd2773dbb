"""The same code on CUDA gives the CPU's numbers (skipped where no GPU is present)."""
import pytest
import torch

from stablegrad import VanillaRNN, floss, lyapunov_spectrum
from stablegrad.tangent import random_orthonormal

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]
F64 = torch.float64


def test_spectrum_on_cuda_equals_cpu():
    model = VanillaRNN(24, 2, ensemble=3, g=1.5, dtype=F64)
    h0, x = torch.randn(3, 2, 24, dtype=F64), torch.randn(200, 3, 2, 2, dtype=F64)
    Q0 = random_orthonormal(3, 2, 24, 10, dtype=F64)
    cpu = lyapunov_spectrum(model, h0, x, k=10, Q0=Q0)
    gpu = lyapunov_spectrum(model.to("cuda"), h0.cuda(), x.cuda(), k=10, Q0=Q0.cuda())
    assert torch.allclose(cpu.exponents, gpu.exponents.cpu(), atol=1e-10)


def test_flossing_on_cuda_equals_cpu():
    models = [VanillaRNN(12, 1, ensemble=2, dtype=F64, generator=torch.Generator().manual_seed(0)) for _ in range(2)]
    x = torch.randn(40, 2, 1, 1, dtype=F64)
    Q0 = random_orthonormal(2, 1, 12, 4, dtype=F64)
    cpu = floss(models[0], x, k=4, epochs=3, lr=1e-2, Q0=Q0, progress=False)
    gpu = floss(models[1].to("cuda"), x.cuda(), k=4, epochs=3, lr=1e-2, Q0=Q0.cuda(), progress=False)
    assert torch.allclose(cpu.exponents, gpu.exponents.cpu(), atol=1e-8)


def test_training_with_flossing_on_cuda_equals_cpu():
    from stablegrad.tasks import BinaryXOR
    from stablegrad.training import FlossingSchedule, TrainingRun, build_network, train

    run = TrainingRun("binary_xor", (4,), N=10, ensemble=2)
    histories = []
    for device in ("cpu", "cuda"):
        network = build_network(run).double().to(device)
        histories.append(train(network, BinaryXOR(4), epochs=4, steps=12, batch=3, k=3, floss_steps=10,
                               floss_transient=2, schedule=FlossingSchedule((0, 2), 2), progress=False))
    cpu, gpu = histories
    assert torch.allclose(cpu.loss, gpu.loss, atol=1e-10)
    assert torch.allclose(cpu.flossing[2].exponents, gpu.flossing[2].exponents, atol=1e-10)


def test_lstm_spectrum_on_cuda_equals_cpu():
    from stablegrad.models import LSTM

    model = LSTM(12, 2, ensemble=2, g=1.5, bias_std=0.5, dtype=F64)
    h0, x = torch.randn(2, 3, 24, dtype=F64), torch.randn(100, 2, 3, 2, dtype=F64)
    Q0 = random_orthonormal(2, 3, 24, 6, dtype=F64)
    cpu = lyapunov_spectrum(model, h0, x, k=6, Q0=Q0)
    gpu = lyapunov_spectrum(model.to("cuda"), h0.cuda(), x.cuda(), k=6, Q0=Q0.cuda())
    assert torch.allclose(cpu.exponents, gpu.exponents.cpu(), atol=1e-10)


def test_wcrnn_diagnostics_on_cuda_equal_cpu():
    from stablegrad.models import WCRNN
    from stablegrad.models.residuals import informed
    from stablegrad.tangent import hessian_eigenvalues, state_gradient_norms

    R, gamma = informed(8, generator=torch.Generator().manual_seed(0))
    x, y = torch.rand(5, 30, 1, dtype=F64), torch.randn(5, 2, dtype=F64)
    out = []
    for device in ("cpu", "cuda"):
        net = WCRNN(8, 1, 2, residual=R.double(), gamma=gamma.double(), kind="B", ensemble=2,
                    generator=torch.Generator().manual_seed(1), dtype=F64).to(device)
        xs, ys = x.to(device), y.to(device)
        values = hessian_eigenvalues(lambda: ((net(xs) - ys) ** 2).sum(), list(net.parameters()), iterations=6,
                                     generator=torch.Generator().manual_seed(2)).values
        states = net.states(xs).detach()
        norms = state_gradient_norms(net, states, xs.movedim(1, 0).unsqueeze(1), torch.ones_like(states[-1]))
        out.append((values.cpu(), norms.cpu()))
    assert torch.allclose(out[0][0], out[1][0], rtol=1e-8)
    assert torch.allclose(out[0][1], out[1][1], rtol=1e-10)
