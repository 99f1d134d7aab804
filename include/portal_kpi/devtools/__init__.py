"""Development tools: CLI, local runtime, simulator, demo, sinks, report. Nothing in the
product's layers imports this package."""
