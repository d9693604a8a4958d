//! PEM and DER conversion: public keys out as SubjectPublicKeyInfo PEM, private keys in (PKCS#1,
//! PKCS#8, SEC1; PEM or DER) as JSON Web Keys for import.
