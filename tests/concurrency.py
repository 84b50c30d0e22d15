"""Run the same work in several threads released at once, as two workers or two requests would."""

import threading

from django.db import connection


def run_at_once(work, times: int = 2) -> list:
    """Each thread's result, or the exception it raised (so that a test's assertion shows it).

    With the pool on, threads beyond its free connections (DB_POOL_MAX less the test's own) wait for one to be
    given back, up to DB_POOL_TIMEOUT; each thread's work is short, so a dozen threads on a pool of four pass.
    """
    barrier, results = threading.Barrier(times), []

    def worker():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:
            results.append(error)
        finally:
            # Each thread has its own connection: closed, or with the pool (DB_POOL) given back. A thread that ended
            # without this would keep a pooled connection for good (psycopg-pool never takes it back), and open
            # sessions would keep the test database from being dropped.
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
