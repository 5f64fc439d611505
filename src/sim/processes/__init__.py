"""One module per pathway stage; each stage is a SimPy generator that returns the next stage."""
