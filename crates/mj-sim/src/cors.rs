//! Cross-origin answers, as the real servers give them to browser apps.
//!
//! A browser app calling a proxy from another origin first sends a preflight (`OPTIONS`
//! with `Origin` and `Access-Control-Request-*`), which must succeed without the key, and
//! then reads an answer only if it carries `Access-Control-Allow-Origin`. trueai answers
//! every origin before its own auth (trueai-org/midjourney-proxy@1bf0f33:
//! src/Midjourney.API/Program.cs `UseCors(AllowAnyMethod().AllowAnyHeader()
//! .SetIsOriginAllowed(_ => true).AllowCredentials())`, before `SimpleAuthMiddleware`):
//! ASP.NET Core echoes the origin and allows credentials. new-api (and the resellers built
//! on it) answers `*` from `middleware/cors.go` on every relay route, preflights with 204
//! (QuantumNous/new-api@0715d0e:middleware/cors.go). novicezk and PLUS have no CORS.

use http::header::{HeaderMap, HeaderValue};
use mj_proto::{HttpRequest, HttpResponse};

use crate::flavor::Flavor;

/// How a flavor answers cross-origin requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cors {
    /// ASP.NET Core with any origin and credentials: the origin echoed (trueai).
    EchoOrigin,
    /// `*` for every origin (new-api's middleware).
    AnyOrigin,
}

impl Cors {
    /// The flavor's CORS, if it has any.
    pub(crate) fn of(flavor: Flavor) -> Option<Self> {
        match flavor {
            Flavor::Trueai => Some(Self::EchoOrigin),
            Flavor::Newapi | Flavor::Reseller => Some(Self::AnyOrigin),
            Flavor::Plus | Flavor::Novicezk => None,
        }
    }

    /// The answer to a preflight, when `request` is one: 204 with what the browser asked
    /// for allowed, and no key needed.
    pub(crate) fn preflight(self, request: &HttpRequest) -> Option<HttpResponse> {
        if request.method() != http::Method::OPTIONS {
            return None;
        }
        let asked = |name: &str| request.headers().get(name).cloned();
        let mut response = crate::reply::empty(204);
        let headers = response.headers_mut();
        self.allow_origin(request, headers);
        let methods = match self {
            Self::EchoOrigin => asked("access-control-request-method"),
            Self::AnyOrigin => Some(HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS, PATCH")),
        };
        if let Some(methods) = methods {
            headers.insert("access-control-allow-methods", methods);
        }
        let allowed = asked("access-control-request-headers").or_else(|| match self {
            Self::AnyOrigin => Some(HeaderValue::from_static("Authorization, Content-Type, Accept, New-Api-User")),
            Self::EchoOrigin => None,
        });
        if let Some(allowed) = allowed {
            headers.insert("access-control-allow-headers", allowed);
        }
        if self == Self::AnyOrigin {
            headers.insert("access-control-max-age", HeaderValue::from_static("43200"));
        }
        Some(response)
    }

    /// Adds the headers every cross-origin answer carries (images included).
    pub(crate) fn decorate(self, request: &HttpRequest, response: &mut HttpResponse) {
        self.allow_origin(request, response.headers_mut());
    }

    fn allow_origin(self, request: &HttpRequest, headers: &mut HeaderMap) {
        let Some(origin) = request.headers().get(http::header::ORIGIN) else { return };
        match self {
            Self::EchoOrigin => {
                headers.insert("access-control-allow-origin", origin.clone());
                headers.insert("access-control-allow-credentials", HeaderValue::from_static("true"));
                headers.insert(http::header::VARY, HeaderValue::from_static("Origin"));
            }
            Self::AnyOrigin => {
                headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
            }
        }
    }
}
