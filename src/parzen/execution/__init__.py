"""How trials run: serially, in threads, in processes, or as asyncio tasks."""
