using RenderFarm.Agent.Guest;

namespace RenderFarm.Agent.Tests.Guest;

/// <summary>An idle source a test sets.</summary>
internal sealed class FakeIdle : IIdleSource
{
    public TimeSpan? Idle { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan? IdleFor(DateTimeOffset now) => Idle;
}

/// <summary>A machine a test describes.</summary>
internal sealed class FakeMachine : IMachineProbe
{
    public MachineReading Reading { get; set; } = MachineReading.Unknown;

    public MachineReading Read(IReadOnlyCollection<string> diskFolders, bool withProcesses) => Reading;
}

/// <summary>Records what was done to ffmpeg, in order.</summary>
internal sealed class FakeControl : IRenderControl
{
    public List<string> Calls { get; } = [];

    public bool CanSuspend { get; set; } = true;

    public void Suspend() => Calls.Add("suspend");

    public void Resume() => Calls.Add("resume");

    public void Lower() => Calls.Add("lower");
}

/// <summary>Running attempts a test sets; giving them back ends them.</summary>
internal sealed class FakeWork : IGuestWork
{
    public HashSet<string> Running { get; } = [];

    public List<string> GivenBack { get; } = [];

    public IReadOnlyCollection<string> RunningAttemptIds => Running.ToList();

    public void GiveBackAll(string reason)
    {
        GivenBack.Add(reason);
        Running.Clear();
    }
}
