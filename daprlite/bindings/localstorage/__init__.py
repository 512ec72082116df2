"""bindings.localstorage: files under one root folder (create, get, list, delete), as daprd."""
