"""Apache Kafka as local KRaft brokers on 127.0.0.1 for development, tests, the bench and demo.

A broker is a plain JVM process (no Docker) whose jars come from Maven Central. Modules:

* :mod:`kafka_local.node`: :class:`LocalKafka`, one node (broker+controller) and its process;
* :mod:`kafka_local.cluster`: :class:`LocalKafkaCluster`, N nodes as one cluster, with fault
  controls per node (:mod:`kafka_local.cluster_node`), its metadata and health
  (:mod:`kafka_local.cluster_health`) and its layout on disk (:mod:`kafka_local.layout`);
* :mod:`kafka_local.config`: :class:`BrokerConfig` (where and how a node runs), ``free_port``;
* :mod:`kafka_local.properties`, :mod:`kafka_local.jvm`: the node's server.properties, JVM
  command line and storage format;
* :mod:`kafka_local.secured`: SASL_SSL and mutual-TLS listeners, SCRAM users, the authorizer;
* :mod:`kafka_local.distribution`: Java and Maven checks, the Kafka jars;
* :mod:`kafka_local.readiness`, :mod:`kafka_local.diagnostics`: whether a node answers, and
  log excerpts for error messages;
* :mod:`kafka_local.cli`: ``up``, ``down``, ``status`` (run as ``deploy/local_kafka.py``).

Not ``deploy/kafka/``: ``deploy`` is on the import path, and a package named ``kafka`` there
would hide kafka-python.
"""
