"""Posenc tests run torch on one thread, as the engine does: on a shared 2-core machine a
second thread mostly waits for a busy core and makes the tiny models here several times slower."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
