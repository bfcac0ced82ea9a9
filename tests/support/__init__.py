"""Helpers shared by the tests: throwaway databases, a live server, a GraphQL client."""
