"""Reports: what the flow measured, as terminal text, JSON, Markdown and plots. Nothing here
computes a figure; every number comes from simtiny.flow.measure or the run results."""
