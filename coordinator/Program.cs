using RenderFarm.Coordinator.Hosting;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddCoordinator(builder.Configuration);

var app = builder.Build();
app.MapCoordinator();
app.Run();

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
