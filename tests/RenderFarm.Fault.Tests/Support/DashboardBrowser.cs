using PuppeteerSharp;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// Headless Chromium from Debian's <c>chromium</c> package (installed by scripts/lib/ensure-tools.sh; nothing is
/// downloaded at run time), driven over the DevTools protocol by PuppeteerSharp, with a folder for screenshots.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly IBrowser _browser;

    private DashboardBrowser(IBrowser browser, string artifacts)
    {
        _browser = browser;
        Artifacts = artifacts;
    }

    /// <summary>Where screenshots go: <c>TestResults/dashboard</c> under the repository root.</summary>
    public string Artifacts { get; }

    public static async Task<DashboardBrowser> LaunchAsync()
    {
        if (!File.Exists(Chromium)) throw new InvalidOperationException($"{Chromium} is missing: run scripts/lib/ensure-tools.sh (apt-get install chromium)");
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Root in a container has no user namespace for Chromium's sandbox; /dev/shm may be small.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"],
            Timeout = 60_000,
        });
        var artifacts = Directory.CreateDirectory(Path.Combine(BuildLayout.RepositoryRoot, "TestResults", "dashboard")).FullName;
        return new DashboardBrowser(browser, artifacts);
    }

    /// <summary>A new tab (its own sessionStorage, so its own sign-in) of 1280x860.</summary>
    public async Task<IPage> NewTabAsync()
    {
        var context = await _browser.CreateBrowserContextAsync();
        var page = await context.NewPageAsync();
        page.DefaultTimeout = 60_000;
        await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 860 });
        return page;
    }

    /// <summary>Saves a screenshot of the whole page as <c>name.png</c> and returns its path.</summary>
    public async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(Artifacts, name + ".png");
        await page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        await _browser.DisposeAsync();
    }
}
