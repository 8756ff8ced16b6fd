"""Partner-agency side: sign smuggling-route alerts and publish them to Kafka."""
