"""Tests of the plumbing: config, io, parse, runner, steps, status, engagement, CLI, workbooks…."""
