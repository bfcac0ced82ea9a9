"""Notifications: the ``notify`` block of a job definition, evaluated, rendered and sent.

The pure half does no I/O:

* :mod:`gql_server.notify.facts` holds the frozen inputs the caller fills from the database;
* :mod:`gql_server.notify.criteria` decides whether a job's transition fires, and lists the
  callbacks and recipients to serve, in LAVA's sending order;
* :mod:`gql_server.notify.email_text`, :mod:`gql_server.notify.irc_text` and
  :mod:`gql_server.notify.callback_payload` render what is sent, on top of the shared
  formatting of :mod:`gql_server.notify.render` and the result comparison of
  :mod:`gql_server.notify.comparison`.

The delivery half sends what was rendered:

* :mod:`gql_server.notify.queue` keeps one row per delivery (``gql_server_notification``),
  enqueued in the transaction of the job's change, and runs the notifier that claims due
  rows, sends them and retries with back-off;
* :mod:`gql_server.notify.smtp`, :mod:`gql_server.notify.irc` and
  :mod:`gql_server.notify.callback` are the senders; :mod:`gql_server.notify.errors` tells
  a retried failure from a permanent one.
"""
