"""Django's PostgreSQL backend, with a connection health check that costs no
round trip while the connection is idle and sound.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query
of every request on a persistent connection, so that a connection the server
has dropped (a restart, ``pg_terminate_backend``, an idle timeout) is
replaced instead of failing the request. At province scale that round trip
was a tenth of the web workers' samples in the CRM burst (py-spy,
bench/console_load.py) and of the CRM create's (bench/intake.py).

A server that drops a connection says so on its socket first (a FATAL
message, then the end of the stream), and an idle connection of ours has
nothing else to read (no ``LISTEN`` here). So the check first asks the
socket, without waiting: nothing to read means sound, and ``SELECT 1`` is
sent only when the server has said something, exactly Django's check then.
A connection cut without a word (a dead network path) is caught by neither
check before the TCP timeout; Django's answer for it is the same.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.connection.closed
            and not server_has_spoken(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def server_has_spoken(connection) -> bool:
    """Whether the server has sent anything on this idle connection."""
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # a closed or broken socket
        return True
    return bool(readable)
