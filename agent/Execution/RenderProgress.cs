namespace RenderFarm.Agent.Execution;

/// <summary>How far a render is: percent of the output duration, encoder fps, speed (x realtime) and frames written.</summary>
public readonly record struct RenderProgress(double Percent, double Fps, double Speed, long Frames);
