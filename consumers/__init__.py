"""Task-force side: deliver verified alerts to member agencies and read them there.

One subpackage per service: ``delivery`` (sharing policy, planning, the service),
``inbox`` (the agency's client), ``webhooks`` (dispatch, signing, receiver, replay),
``receipts``, ``recalls``, ``audit`` (the audit chain's writer and trace), ``stix``,
``taxii`` and ``https``. The modules at this level are shared by several of them: Kafka
clients and errors, offsets, lag, quarantine writes, the key-registry follower, the
receiver store, topic reading and the common metrics.
"""
