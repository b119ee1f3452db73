using Grpc.Core;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Grpc;

namespace Kimi.Cluster.Router.Tests.Grpc;

public sealed class GrpcErrorsTests
{
    [Theory]
    [InlineData(404, StatusCode.NotFound)]
    [InlineData(429, StatusCode.ResourceExhausted)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Internal)]
    public void FromApi_MapsTheHttpStatus(int httpStatus, StatusCode expected)
    {
        var error = GrpcErrors.FromApi(new ApiException(httpStatus, "why", "type"));

        Assert.Equal(expected, error.StatusCode);
        Assert.Equal("why", error.Status.Detail);
    }

    [Fact]
    public void FromApi_NamesTheTokenIds_WhenTheHttpApiSaysPrompt()
    {
        var error = GrpcErrors.FromApi(ApiException.InvalidRequest("the prompt is too long", "prompt"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("token_ids: the prompt is too long", error.Status.Detail);
        Assert.Equal("token_ids", error.Trailers.GetValue("kimi-invalid-field"));
    }

    [Fact]
    public void Invalid_DoesNotRepeatTheField_WhenTheMessageAlreadyStartsWithIt()
    {
        Assert.Equal("temperature: must be >= 0", GrpcErrors.Invalid("temperature", "temperature: must be >= 0").Status.Detail);
    }
}
