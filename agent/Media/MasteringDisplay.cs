namespace RenderFarm.Agent.Media;

/// <summary>
/// A mastering display colour volume (SMPTE ST 2086) in HEVC units: chromaticity x,y in 0.00002 steps (50000 = 1),
/// luminance in 0.0001 cd/m2 steps (10000 = 1 cd/m2).
/// </summary>
public sealed record MasteringDisplay(
    int RedX, int RedY, int GreenX, int GreenY, int BlueX, int BlueY, int WhiteX, int WhiteY, long MaxLuminance, long MinLuminance);
