"""Notifications: the ``notify`` block of a job definition, evaluated, rendered and sent.

The pure half does no I/O:

* :mod:`gql_server.notify.facts` holds the frozen inputs the caller fills from the database;
* :mod:`gql_server.notify.criteria` decides whether a job's transition fires, and lists the
  callbacks and recipients to serve, in LAVA's sending order;
* :mod:`gql_server.notify.email_text`, :mod:`gql_server.notify.irc_text` and
  :mod:`gql_server.notify.callback_payload` render what is sent, on top of the shared
  formatting of :mod:`gql_server.notify.render` and the result comparison of
  :mod:`gql_server.notify.comparison`.

:mod:`gql_server.notify.plan` turns a firing (read from the lab by
:mod:`gql_server.resolvers.notifications`) into the deliveries to queue.

The delivery half sends what was rendered:

* :mod:`gql_server.notify.queue` keeps one row per delivery (``gql_server_notification``)
  and runs the notifier that claims due rows, sends them and retries with back-off; a job
  entering Running or Finished queues a ``criteria`` row in its own transaction;
* :mod:`gql_server.notify.evaluator` is the sender of ``criteria`` rows: it evaluates the
  job's block and queues what fires;
* :mod:`gql_server.notify.smtp`, :mod:`gql_server.notify.irc` and
  :mod:`gql_server.notify.callback` are the senders; :mod:`gql_server.notify.errors` tells
  a retried failure from a permanent one;
* :mod:`gql_server.notify.service` starts it all in a server process.
"""
