package steps

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/harbor-installer/harbor-installer/answers"
)

// Small pure validators shared by the steps' field checks.

// checkSecret reports a secret reference that is needed but missing or
// cannot be read now. It never reads the value into a finding.
func checkSecret(key string, ref answers.SecretRef, policy string) []Finding {
	switch ref.Kind() {
	case answers.SecretEmpty:
		switch policy {
		case "generate":
			return []Finding{ok(key, "empty: the installer generates a strong value and stores it in a Kubernetes Secret")}
		case "optional":
			return nil
		}
		return []Finding{fail(key, "required but empty", fmt.Sprintf("set env:%s (and export it) or file:/path/to/secret", answers.EnvNameFor(key)))}
	case answers.SecretLiteral:
		return []Finding{warn(key, "holds a literal secret", fmt.Sprintf("use env:%s or file:PATH so the secret stays out of files", answers.EnvNameFor(key)))}
	}
	if err := ref.CheckResolvable(); err != nil {
		hint := "export the variable before running harbor-installer"
		if ref.Kind() == answers.SecretFile {
			hint = "check the path and that this user can read it"
		}
		return []Finding{fail(key, fmt.Sprintf("%s cannot be read: %v", ref, err), hint)}
	}
	return nil
}

// checkFile reports a local file that is named but cannot be read.
func checkFile(key, path string, required bool) []Finding {
	if path == "" {
		if required {
			return []Finding{fail(key, "required but empty", "give the path of the file")}
		}
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return []Finding{fail(key, fmt.Sprintf("cannot read %s: %v", path, unwrap(err)), "check the path and permissions")}
	}
	f.Close()
	return nil
}

func unwrap(err error) error {
	if pe, okk := err.(*os.PathError); okk {
		return pe.Err
	}
	return err
}

// checkDNSName checks a DNS name as an Ingress host must be: lowercase
// RFC 1123 labels, no IP address, no wildcard.
func checkDNSName(key, name string) []Finding {
	if name == "" {
		return []Finding{fail(key, "required but empty", "give the DNS name users will push to, e.g. registry.example.org")}
	}
	if net.ParseIP(name) != nil {
		return []Finding{fail(key, fmt.Sprintf("%q is an IP address", name), "an Ingress host must be a DNS name; create a DNS record for the address")}
	}
	if strings.Contains(name, "://") || strings.ContainsAny(name, "/:") {
		return []Finding{fail(key, fmt.Sprintf("%q is not a bare DNS name", name), "write only the host, e.g. registry.example.org (no scheme, port or path)")}
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		hint := "use lowercase letters, digits, '-' and '.'"
		if strings.ToLower(name) != name {
			hint = "write it in lowercase: " + strings.ToLower(name)
		}
		return []Finding{fail(key, fmt.Sprintf("%q is not a valid DNS name: %s", name, errs[0]), hint)}
	}
	for _, l := range strings.Split(name, ".") {
		if len(l) > 63 {
			return []Finding{fail(key, fmt.Sprintf("label %q is longer than 63 characters", l), "shorten it")}
		}
	}
	if !strings.Contains(name, ".") {
		return []Finding{warn(key, fmt.Sprintf("%q has a single label", name), "clients usually need a fully qualified name such as registry.example.org")}
	}
	return nil
}

// checkK8sName checks a Kubernetes object name (DNS-1123 subdomain or label).
func checkK8sName(key, name string, label bool) []Finding {
	if name == "" {
		return []Finding{fail(key, "required but empty", "give a name of lowercase letters, digits and '-'")}
	}
	var errs []string
	if label {
		errs = validation.IsDNS1123Label(name)
	} else {
		errs = validation.IsDNS1123Subdomain(name)
	}
	if len(errs) > 0 {
		return []Finding{fail(key, fmt.Sprintf("%q is not a valid Kubernetes name: %s", name, errs[0]), "use lowercase letters, digits and '-', starting and ending with a letter or digit")}
	}
	return nil
}

// checkQuantity checks a Kubernetes quantity like 100Gi.
func checkQuantity(key, q string) []Finding {
	if q == "" {
		return []Finding{fail(key, "required but empty", "give a size such as 100Gi")}
	}
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return []Finding{fail(key, fmt.Sprintf("%q is not a Kubernetes quantity", q), "write a size such as 512Mi, 10Gi or 1Ti")}
	}
	if v.Sign() <= 0 {
		return []Finding{fail(key, fmt.Sprintf("%q is not positive", q), "give a size above zero")}
	}
	return nil
}

// checkHost checks host or host:port.
func checkHost(key, v string) []Finding {
	if v == "" {
		return []Finding{fail(key, "required but empty", "give a host name or IP address")}
	}
	// A scheme or path is a common slip (nfs://10.0.0.11, https://ontap/);
	// SplitHostPort would read "nfs" as the host and let it through.
	if strings.Contains(v, "/") {
		return []Finding{fail(key, fmt.Sprintf("%q has a scheme or path", v), "give only the host name or IP address, e.g. 10.0.0.10")}
	}
	host := v
	if h, port, err := net.SplitHostPort(v); err == nil {
		if p, perr := strconv.Atoi(port); perr != nil || p < 1 || p > 65535 {
			return []Finding{fail(key, fmt.Sprintf("%q has port %q, not a number from 1 to 65535", v, port), "give host or host:port")}
		}
		host = h
	}
	if net.ParseIP(host) == nil && len(validation.IsDNS1123Subdomain(strings.ToLower(host))) > 0 {
		return []Finding{fail(key, fmt.Sprintf("%q is neither an IP address nor a DNS name", v), "give a host name or IP address, without scheme")}
	}
	return nil
}

// checkBucket checks an S3 bucket name.
func checkBucket(key, b string) []Finding {
	if b == "" {
		return []Finding{fail(key, "required but empty", "give a bucket name such as harbor")}
	}
	if len(b) < 3 || len(b) > 63 || net.ParseIP(b) != nil || len(validation.IsDNS1123Subdomain(b)) > 0 || strings.Contains(b, "..") {
		return []Finding{fail(key, fmt.Sprintf("%q is not a valid S3 bucket name", b), "use 3 to 63 lowercase letters, digits, '.' and '-'")}
	}
	return nil
}

// checkEndpointURL checks an S3 endpoint as the registry needs it: scheme and
// host, no path. Without a scheme the registry hangs until its liveness probe
// kills it.
func checkEndpointURL(key, v string) []Finding {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return []Finding{fail(key, fmt.Sprintf("%q has no http:// or https:// scheme", v), "write the scheme and API port, e.g. https://s3.example.org:9000; without them the registry hangs on start")}
	}
	if u.Path != "" && u.Path != "/" {
		return []Finding{fail(key, fmt.Sprintf("%q has a path", v), "give only scheme, host and port; the bucket goes in the bucket key")}
	}
	return nil
}
