using Microsoft.Extensions.Options;
using RenderFarm.Agent.Hosting;
using RenderFarm.Agent.Transfer;
using RenderFarm.Protos.Schedules;

namespace RenderFarm.Agent.Guest;

/// <summary>Registers the guest rules (<see cref="GuestGuard"/>) with the machine's own idle source and probes.</summary>
public static class GuestExtensions
{
    public static IServiceCollection AddGuest(this IServiceCollection services)
    {
        services.AddSingleton<IIdleSource>(_ =>
            OperatingSystem.IsWindows() ? new WindowsIdleSource() : OperatingSystem.IsMacOS() ? new MacIdleSource() : new LinuxIdleSource());
        services.AddSingleton<IMachineProbe, MachineProbe>();
        services.AddSingleton<IRenderControl, FfmpegControl>();
        services.AddSingleton<IGuestWork, RunnerWork>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            WorkHours.TryParse(o.Guest.Hours, out var hours, out _);
            return new GuestPolicy(o.Guest, hours, Zone(o.Guest.TimeZone));
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            IReadOnlyCollection<string> folders = o.Storage == AgentStorage.Shared ? [o.DataDirectory, .. o.MediaRoots.Values] : [o.DataDirectory];
            return ActivatorUtilities.CreateInstance<GuestGuard>(sp, folders);
        });
        services.AddHostedService(sp => sp.GetRequiredService<GuestGuard>());
        return services;
    }

    /// <summary>The time zone of the agent's hours: the named one, or the machine's.</summary>
    public static TimeZoneInfo Zone(string id) => string.IsNullOrWhiteSpace(id) ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(id);
}
