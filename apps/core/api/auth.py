"""API sign-in: tokens issued, listed and revoked, and sign-out. Every password check goes through
django-axes (authenticate with the request), so a locked-out caller is refused here as on the login pages."""

from django.contrib.auth import authenticate, logout
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import selectors
from apps.core.api.throttles import ScopedThrottle
from apps.core.services import tokens


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.ModelSerializer):
    """A token as its owner and ops see it: never the secret, only its first characters (`key`)."""

    key = serializers.CharField(source="token_key", read_only=True)
    username = serializers.CharField(source="user.get_username", read_only=True)
    expires = serializers.DateTimeField(source="expiry", read_only=True)

    class Meta:
        model = AuthToken
        fields = ["key", "user", "username", "created", "expires"]
        read_only_fields = fields


class TokenObtainApi(APIView):
    """POST username and password, get a token: `{"token", "key", "expires"}`."""

    authentication_classes = []  # credentials are the body; no session, so no CSRF dance for scripts
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=CredentialsSerializer,
        responses={
            200: inline_serializer(
                "IssuedToken",
                {
                    "token": serializers.CharField(),
                    "key": serializers.CharField(),
                    "expires": serializers.DateTimeField(),
                },
            ),
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(description="Locked out after repeated failures, or throttled."),
        },
        auth=[],
    )
    def post(self, request):
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: axes marks a lockout on it, and its middleware answers with it.
        user = authenticate(request._request, **credentials.validated_data)
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with the username and password given."]}, code="authorization"
            )
        token, secret = tokens.api_token_create(user=user)
        return Response({"token": secret, "key": token.token_key, "expires": token.expiry})


class LogoutApi(APIView):
    """Sign out: revokes the token the call carries (or ends the session it was made in)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            tokens.api_token_revoke(token=request.auth, actor=request.user)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Live API tokens: your own, or everyone's for ops who manage tokens (`?user=<id>` narrows)."""

    serializer_class = TokenSerializer
    lookup_field = "token_key"
    lookup_url_kwarg = "key"
    lookup_value_regex = r"[A-Za-z0-9_-]{1,64}"
    pagination_class = None  # a handful per person; ops filter by user
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuthToken.objects.none()
        visible = selectors.api_token_list(user=self.request.user)
        user_id = self.request.query_params.get("user")
        if user_id is not None:
            if not user_id.isdigit():
                raise serializers.ValidationError({"user": ["A user id is a whole number."]})
            visible = visible.filter(user_id=int(user_id))
        return visible

    def perform_destroy(self, instance):
        tokens.api_token_revoke(token=instance, actor=self.request.user)
