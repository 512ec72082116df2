"""bindings.http v1: an output binding that calls an HTTP endpoint, as daprd's does, on aiohttp."""
