namespace Kimi.Cluster.Vision.Decoding;

/// <summary>
/// An image the preprocessor will not turn into encoder input, with a machine-readable
/// <see cref="Reason"/> and a message fit to show the client (it names the sniffed format and the
/// limit that was exceeded, never internal details).
/// </summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException(ImageRejectionReason reason, string message, EncodedImageFormat format = EncodedImageFormat.Unknown)
        : base(message)
    {
        Reason = reason;
        Format = format;
    }

    public ImageRejectionReason Reason { get; }

    /// <summary>The format the bytes were sniffed as, when it got that far.</summary>
    public EncodedImageFormat Format { get; }
}
