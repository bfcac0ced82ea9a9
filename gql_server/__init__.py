"""gql-server: one GraphQL API over a LAVA-style device test lab, with LAVA's legacy doors."""

__version__ = "0.1.0"
