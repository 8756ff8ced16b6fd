"""The Corridor wire contract: Avro schemas, codec, signed envelope and trust store."""
