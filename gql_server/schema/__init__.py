"""The strawberry schema: types, queries and mutations bound to the resolver layer."""
