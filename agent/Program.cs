using RenderFarm.Agent.Hosting;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddAgent(builder.Configuration);
builder.Build().Run();
