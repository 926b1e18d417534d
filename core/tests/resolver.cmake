# Tests of the resolver module: the transport's URL grammar, scheme policy and response parser
# (unit), the resolver chain on fakes (unit), and everything that starts a server on 127.0.0.1 (slow).
sqlink_test(transport_url_test SOURCES transport_url_test.cpp LABELS unit)
sqlink_test(transport_response_test SOURCES transport_response_test.cpp LABELS unit)
sqlink_test(resolver_uri_test SOURCES resolver_uri_test.cpp LABELS unit)
sqlink_test(resolver_chain_test SOURCES resolver_chain_test.cpp LABELS unit)
sqlink_test(transport_http_test SOURCES transport_http_test.cpp support/http_server.cpp LABELS slow)
sqlink_test(transport_tls_test SOURCES transport_tls_test.cpp support/http_server.cpp LABELS slow)
sqlink_test(resolver_http_test SOURCES resolver_http_test.cpp support/http_server.cpp LABELS slow)
