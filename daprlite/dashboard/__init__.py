"""`daprlite dashboard`: a local web page over the running sidecars' run files, metadata,
metrics, spans and message tail. Its own process; it reads sidecars over HTTP only."""
