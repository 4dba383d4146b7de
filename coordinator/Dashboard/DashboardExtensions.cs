using Grpc.AspNetCore.Web;
using Microsoft.Net.Http.Headers;

namespace RenderFarm.Coordinator.Dashboard;

/// <summary>
/// The web dashboard: its static files at <c>/</c> and gRPC-Web on every renderfarm.v1 service, so a browser calls the
/// same API (and the same access checks) as farmctl. Browsers speak HTTP/1.1 or TLS HTTP/2, not h2c, so the page is
/// reached on an HTTP/1.1 endpoint: by default the one that also serves <c>/metrics</c> (docs/dashboard.md).
/// </summary>
public static class DashboardExtensions
{
    public static IServiceCollection AddFarmDashboard(this IServiceCollection services)
    {
        services.AddSingleton<DashboardAssets>();
        return services;
    }

    public static WebApplication MapFarmDashboard(this WebApplication app)
    {
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        var assets = app.Services.GetRequiredService<DashboardAssets>();
        app.MapGet("/", context => ServeAsync(context, assets));
        app.MapGet("/{file:regex(^[a-z0-9-]+\\.(js|css|html|svg)$)}", context => ServeAsync(context, assets));
        return app;
    }

    private static Task ServeAsync(HttpContext context, DashboardAssets assets)
    {
        if (assets.Find(context.Request.Path.Value ?? "/") is not { } asset)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; frame-ancestors 'none'";
        headers.Vary = HeaderNames.AcceptEncoding;
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        context.Response.ContentType = asset.ContentType;
        var gzip = context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        if (gzip) headers.ContentEncoding = "gzip";
        var body = gzip ? asset.Gzip : asset.Bytes;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
