"""Run the same work in several threads released at once, as two workers or two requests would."""

import threading

from django.db import connection


def run_at_once(work, times: int = 2) -> list:
    """Each thread's result, or the exception it raised (so that a test's assertion shows it)."""
    barrier, results = threading.Barrier(times), []

    def worker():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:
            results.append(error)
        finally:
            connection.close()  # each thread has its own connection; leave none open for the test database

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
