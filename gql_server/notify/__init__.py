"""Notifications: the ``notify`` block of a job definition, evaluated and rendered.

The pure half lives here and does no I/O:

* :mod:`gql_server.notify.facts` holds the frozen inputs the caller fills from the database;
* :mod:`gql_server.notify.criteria` decides whether a job's transition fires, and lists the
  callbacks and recipients to serve, in LAVA's sending order;
* :mod:`gql_server.notify.email_text`, :mod:`gql_server.notify.irc_text` and
  :mod:`gql_server.notify.callback_payload` render what is sent, on top of the shared
  formatting of :mod:`gql_server.notify.render` and the result comparison of
  :mod:`gql_server.notify.comparison`.
"""
