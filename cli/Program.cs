using RenderFarm.Cli.App;

// farmctl: submit, watch and manage render jobs on a RenderFarm coordinator.
// The command tree is in App/FarmctlApp.cs; every command lives in Commands/.
return await FarmctlApp.RunAsync(args, FarmctlEnvironment.FromProcess());
