using Kimi.Cluster.Router.Completions;

namespace Kimi.Cluster.Router.Tests.Completions;

public sealed class StopTextHoldbackTests
{
    [Fact]
    public void Without_stop_strings_everything_is_sent_at_once()
    {
        var holdback = new StopTextHoldback([]);

        Assert.Equal("token_id:1", holdback.Push("token_id:1"));
        Assert.Equal("", holdback.Finish(null));
    }

    [Fact]
    public void A_possible_start_of_a_stop_string_waits_until_it_is_ruled_out()
    {
        var holdback = new StopTextHoldback(["ab!"]);

        Assert.Equal("x", holdback.Push("xa"));
        Assert.Equal("", holdback.Push("b"));
        Assert.Equal("abc", holdback.Push("c"));
    }

    [Fact]
    public void The_matched_stop_string_and_what_follows_are_never_sent()
    {
        var holdback = new StopTextHoldback(["token_id:7"]);
        string sent = holdback.Push("token_id:3") + holdback.Push("token_id:71");

        sent += holdback.Finish("token_id:7");

        Assert.Equal("token_id:3", sent);
    }

    [Fact]
    public void Held_back_text_is_released_when_generation_ends_without_a_match()
    {
        var holdback = new StopTextHoldback(["xyz"]);

        Assert.Equal("ab", holdback.Push("abxy"));
        Assert.Equal("xy", holdback.Finish(""));
    }
}
