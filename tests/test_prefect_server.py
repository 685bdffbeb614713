import pytest

from pipeline.prefect_server import local_prefect_server


@pytest.mark.slow
def test_the_private_prefect_server_for_serve_starts_and_stops():
    import urllib.request

    with local_prefect_server() as url:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            assert response.status == 200
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/health", timeout=5)
