using RenderFarm.Agent.Hosting;
using RenderFarm.Protos.Hosting;

if (AgentUsage.Asked(args))
{
    Console.Out.Write(AgentUsage.Text);
    return 0;
}

return StartupFailure.Guard("renderfarm-agent", () =>
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.Services.AddWindowsService(o => o.ServiceName = "RenderFarm Agent");
    builder.Services.AddAgent(builder.Configuration);
    using var host = builder.Build();
    host.Services.CheckAgentSettings();
    host.Run();
    // 0, or CoordinatorLink.RefusedExitCode when the coordinator refused the agent and Agent:ExitOnRefusal is set.
    return Environment.ExitCode;
});
