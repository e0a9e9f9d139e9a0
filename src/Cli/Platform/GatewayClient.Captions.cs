namespace VideoCoca.Cli.Platform;

public sealed partial class GatewayClient
{
    /// <summary>GET /api/videos/{id}/captions.{format}: the video's captions as a WebVTT or SubRip file's text.</summary>
    public async Task<string> GetCaptionsAsync(Guid id, string format, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.GetAsync($"/api/videos/{id}/captions.{format}", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }
}
