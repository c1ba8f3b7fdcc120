// One JVM, many endpoints: `java TlsProbe.java` reads "url<TAB>caFile<TAB>timeoutMs" lines on stdin and prints one
// line per endpoint: "works", or "fails<TAB><exception chain>" where the chain is "Class: message" of the exception
// and every cause, joined with " <- ". The truststore is a PKCS12 KeyStore holding only the given roots, used
// through the default PKIX TrustManagerFactory, so validation is the JDK's own (jdk.certpath.disabledAlgorithms,
// jdk.tls.disabledAlgorithms, HTTPS endpoint identification), as with -Djavax.net.ssl.trustStore.
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class TlsProbe {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      String[] f = line.split("\t");
      System.out.println(probe(f[0], f[1], Integer.parseInt(f[2])));
      System.out.flush();
    }
  }

  static String probe(String url, String caFile, int timeoutMs) {
    try {
      HttpsURLConnection c = (HttpsURLConnection) new URL(url).openConnection();
      c.setSSLSocketFactory(context(caFile).getSocketFactory());
      c.setConnectTimeout(timeoutMs);
      c.setReadTimeout(timeoutMs);
      c.getResponseCode();
      c.disconnect();
      return "works";
    } catch (Throwable e) {
      StringBuilder chain = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (chain.length() > 0) chain.append(" <- ");
        chain.append(t.getClass().getName()).append(": ").append(String.valueOf(t.getMessage()).replace('\n', ' '));
      }
      return "fails\t" + chain;
    }
  }

  static SSLContext context(String caFile) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (FileInputStream pem = new FileInputStream(caFile)) {
      int i = 0;
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
        store.setCertificateEntry("root" + i++, cert);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
