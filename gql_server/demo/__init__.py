"""A deterministic demo lab for trying gql-server without a LAVA database."""
