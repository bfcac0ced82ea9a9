"""LAVA's event stream as lava-publisher carries it: topics, five-frame messages, payloads."""
