"""Values and contracts every layer shares; imports nothing else of daprlite."""
