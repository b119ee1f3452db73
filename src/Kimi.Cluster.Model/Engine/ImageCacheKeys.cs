namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// The prefix cache's keys of a prompt with images. Every placeholder holds the same token id, so
/// its positions are keyed by the image's content hash instead (its low and high 31 bits in
/// turn, as negative numbers, which no token id is): the same image at the same place shares
/// cached blocks, two different images never do.
/// </summary>
public static class ImageCacheKeys
{
    public static int[]? For(IReadOnlyList<int> prompt, IReadOnlyList<PromptImageInput> images)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            return null;
        int[] keys = [.. prompt];
        foreach (var image in images)
        {
            int low = Negative(image.ContentHash), high = Negative(image.ContentHash >> 31);
            for (int i = image.FirstToken; i < image.EndToken; i++)
                keys[i] = (i - image.FirstToken) % 2 == 0 ? low : high;
        }
        return keys;
    }

    private static int Negative(ulong bits) => -1 - (int)(bits & 0x7FFF_FFFF);
}
