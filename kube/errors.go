package kube

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// isRefused reports an API error that retrying will not cure: the user may
// not do it, or the resource does not exist on the server.
func isRefused(err error) bool {
	return apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err)
}
