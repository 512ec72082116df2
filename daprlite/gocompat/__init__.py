"""Every Go rule daprd's output depends on, written once: JSON, durations, floats, headers."""
