"""The single layer every door calls: permissions, queries and writes, one module per entity."""
