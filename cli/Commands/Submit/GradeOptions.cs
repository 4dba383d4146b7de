using System.CommandLine;
using RenderFarm.Protos.V1;

namespace RenderFarm.Cli.Commands.Submit;

/// <summary>The colour-grade options of `submit grade`; only the ones given are set on the <see cref="Grade"/>.</summary>
internal sealed class GradeOptions
{
    public Option<string?> Lut { get; } = new("--lut") { Description = "A .cube 3D LUT (Rec.709 SDR) inside a media root.", HelpName = "FILE" };

    public Option<double?> Exposure { get; } = new("--exposure") { Description = "Exposure in stops, -4 to 4.", HelpName = "EV" };

    public Option<double?> Contrast { get; } = new("--contrast") { Description = "Contrast around mid grey, 0.25 to 4 (1 = unchanged).", HelpName = "X" };

    public Option<double?> Saturation { get; } = new("--saturation") { Description = "Saturation, 0 to 3 (1 = unchanged, 0 = monochrome).", HelpName = "X" };

    public Option<double?> Temperature { get; } = new("--temperature") { Description = "White balance target, 1000 to 40000 K (6500 = unchanged; lower is warmer).", HelpName = "K" };

    public void AddTo(Command command)
    {
        command.Options.Add(Lut);
        command.Options.Add(Exposure);
        command.Options.Add(Contrast);
        command.Options.Add(Saturation);
        command.Options.Add(Temperature);
        command.Validators.Add(result =>
        {
            if (result.GetValue(Lut) is null && result.GetValue(Exposure) is null && result.GetValue(Contrast) is null &&
                result.GetValue(Saturation) is null && result.GetValue(Temperature) is null)
            {
                result.AddError("A grade needs at least one of --lut, --exposure, --contrast, --saturation or --temperature (for no grade use `submit transcode`).");
            }
        });
    }

    public Grade ToGrade(ParseResult result, string currentDirectory)
    {
        var grade = new Grade();
        if (result.GetValue(Lut) is { } lut)
        {
            grade.LutPath = JobSpecOptions.Absolute(lut, currentDirectory);
        }

        if (result.GetValue(Exposure) is { } exposure)
        {
            grade.Exposure = exposure;
        }

        if (result.GetValue(Contrast) is { } contrast)
        {
            grade.Contrast = contrast;
        }

        if (result.GetValue(Saturation) is { } saturation)
        {
            grade.Saturation = saturation;
        }

        if (result.GetValue(Temperature) is { } temperature)
        {
            grade.Temperature = temperature;
        }

        return grade;
    }
}
