// Every test spawns a coordinator, agents and ffmpeg on a 2-core machine: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
