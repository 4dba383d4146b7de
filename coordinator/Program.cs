using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Security;
using RenderFarm.Protos.Hosting;

if (CoordinatorUsage.Asked(args))
{
    Console.Out.Write(CoordinatorUsage.Text);
    return 0;
}

if (KeysCommand.Matches(args)) return await KeysCommand.RunAsync(args);
MallocArenas.Limit();

return StartupFailure.Guard("renderfarm-coordinator", () =>
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.Services.AddCoordinator(builder.Configuration);

    var app = builder.Build();
    app.Services.CheckCoordinatorSettings();
    EndpointCheck.EnsureFree(builder.Configuration);
    app.MapCoordinator();
    app.Run();
    return 0;
});

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
