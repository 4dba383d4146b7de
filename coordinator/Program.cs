using RenderFarm.Coordinator.Hosting;
using RenderFarm.Coordinator.Security;

if (KeysCommand.Matches(args)) return await KeysCommand.RunAsync(args);
MallocArenas.Limit();

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddCoordinator(builder.Configuration);

var app = builder.Build();
app.MapCoordinator();
app.Run();
return 0;

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
